# The exam server and public edge image (ffmpeg comes from the imageio-ffmpeg wheel).
FROM python:3.11-slim
ENV PYTHONUNBUFFERED=1 PIP_DISABLE_PIP_VERSION_CHECK=1
WORKDIR /app
COPY pyproject.toml README.md ./
COPY server ./server
COPY grader ./grader
COPY stream ./stream
COPY web ./web
RUN pip install --no-cache-dir . && useradd --system --home /data ujian && mkdir -p /data && chown ujian /data
USER ujian
WORKDIR /data
EXPOSE 8080
ENTRYPOINT ["ujian"]
CMD ["serve", "--host", "0.0.0.0"]
