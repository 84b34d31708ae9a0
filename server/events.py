"""Domain events: one small dataclass per state change; each becomes one leaf of the exam log."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any, ClassVar

from grader.canonical import JsonValue


@dataclass(frozen=True, slots=True)
class DomainEvent:
    """Base: ``kind`` names the leaf; ``attempt_id`` links it to a candidate's attempt when there is one."""

    kind: ClassVar[str] = ""

    def data(self) -> dict[str, JsonValue]:
        values: dict[str, Any] = asdict(self)
        values.pop("attempt_id", None)
        return values

    def attempt(self) -> int | None:
        return getattr(self, "attempt_id", None)


@dataclass(frozen=True, slots=True)
class ExamImported(DomainEvent):
    """The exam definition, bank (without the key) and roster were imported; ``manifest`` pins their hashes."""

    kind: ClassVar[str] = "exam.imported"
    exam: str
    manifest_hash: str
    items: int
    candidates: int
    sessions: list[str]


@dataclass(frozen=True, slots=True)
class KeyCommitted(DomainEvent):
    """The answer key and scoring rules are sealed: SHA-256(prefix ‖ salt ‖ canonical key) before any start."""

    kind: ClassVar[str] = "key.committed"
    exam: str
    commitment: str
    scheme: str


@dataclass(frozen=True, slots=True)
class CommitteeAction(DomainEvent):
    """Base for committee interventions: who did it and why."""

    by: str
    reason: str


@dataclass(frozen=True, slots=True)
class SessionOpened(CommitteeAction):
    """A session opened; candidates may log in with its token (only the token's hash is logged)."""

    kind: ClassVar[str] = "session.opened"
    session: str = ""
    token_hash: str = ""


@dataclass(frozen=True, slots=True)
class SessionPaused(CommitteeAction):
    """The whole room paused: every running clock froze at the same instant."""

    kind: ClassVar[str] = "session.paused"
    session: str = ""
    attempts: int = 0


@dataclass(frozen=True, slots=True)
class SessionResumed(CommitteeAction):
    """The room resumed: every clock runs again with exactly the seconds it had at the pause."""

    kind: ClassVar[str] = "session.resumed"
    session: str = ""
    paused_ms: int = 0


@dataclass(frozen=True, slots=True)
class SessionClosed(CommitteeAction):
    """The session closed: remaining attempts were submitted, never-started candidates marked absent."""

    kind: ClassVar[str] = "session.closed"
    session: str = ""
    absent: list[str] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class TimeExtended(CommitteeAction):
    """One candidate got extra time."""

    kind: ClassVar[str] = "attempt.extended"
    candidate: str = ""
    extra_ms: int = 0
    attempt_id: int | None = None


@dataclass(frozen=True, slots=True)
class LoginReset(CommitteeAction):
    """A proctor released a candidate's login so they can continue on another PC."""

    kind: ClassVar[str] = "login.reset"
    candidate: str = ""
    attempt_id: int | None = None


@dataclass(frozen=True, slots=True)
class CandidateLoggedIn(DomainEvent):
    """A candidate logged in from a device (the device id is logged only as a short hash)."""

    kind: ClassVar[str] = "login.candidate"
    candidate: str
    session: str
    device: str
    attempt_id: int | None = None


@dataclass(frozen=True, slots=True)
class CommitteeLoggedIn(DomainEvent):
    """A committee member logged in."""

    kind: ClassVar[str] = "login.committee"
    user: str
    role: str


@dataclass(frozen=True, slots=True)
class LoggedOut(DomainEvent):
    """A candidate or committee member logged out (their login cookie was revoked)."""

    kind: ClassVar[str] = "logout"
    who: str
    role: str


@dataclass(frozen=True, slots=True)
class CommitteeUserAdded(DomainEvent):
    """A committee account was created (never its password)."""

    kind: ClassVar[str] = "committee.user_added"
    user: str
    role: str


@dataclass(frozen=True, slots=True)
class AttemptStarted(DomainEvent):
    """A candidate started; the seed fixes their item and option order."""

    kind: ClassVar[str] = "attempt.started"
    candidate: str
    seed: str
    allowed_ms: int
    attempt_id: int | None = None


@dataclass(frozen=True, slots=True)
class AnswerSaved(DomainEvent):
    """An answer (or its ragu-ragu flag) was stored; ``seq`` is the candidate's own sequence number."""

    kind: ClassVar[str] = "answer.saved"
    candidate: str
    item: str
    value: JsonValue
    flag: bool
    seq: int
    remaining_ms: int
    attempt_id: int | None = None


@dataclass(frozen=True, slots=True)
class AttemptSubmitted(DomainEvent):
    """The attempt ended: by the candidate, by time-out, or forced by the committee (see the reason)."""

    kind: ClassVar[str] = "attempt.submitted"
    candidate: str
    reason: str
    answers_hash: str
    attempt_id: int | None = None


@dataclass(frozen=True, slots=True)
class AttemptScored(DomainEvent):
    """The grader scored the attempt from its recorded answers."""

    kind: ClassVar[str] = "attempt.scored"
    candidate: str
    grader_version: str
    inputs_hash: str
    total_milli: int
    passed: bool
    sections: list[dict[str, JsonValue]]
    attempt_id: int | None = None


# -- transparency (issue 5): the log's key, the key reveal and corrections, results, witnesses, video ----


@dataclass(frozen=True, slots=True)
class LogKeyCreated(DomainEvent):
    """The log's Ed25519 signing key was generated; its verifier key (C2SP vkey) is pinned in the manifest."""

    kind: ClassVar[str] = "log.key"
    origin: str
    vkey: str


@dataclass(frozen=True, slots=True)
class KeyRevealed(CommitteeAction):
    """The sealed key is opened: the salt and the canonical scoring spec that hash to the commitment."""

    kind: ClassVar[str] = "key.revealed"
    exam: str = ""
    commitment: str = ""
    salt: str = ""
    spec: dict[str, JsonValue] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class RegradeProposed(CommitteeAction):
    """A proposed key correction with its dry-run diff (whose score and rank would change); nothing changes
    until ``required`` committee members other than the proposer approve it."""

    kind: ClassVar[str] = "regrade.proposed"
    exam: str = ""
    corrections: list[dict[str, JsonValue]] = field(default_factory=list)
    old_spec_hash: str = ""
    new_spec_hash: str = ""
    digest: str = ""
    required: int = 0
    diff: dict[str, JsonValue] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class RegradeApproved(CommitteeAction):
    """One committee member approved a proposal (``proposal`` is its sequence number, ``digest`` what they
    approved)."""

    kind: ClassVar[str] = "regrade.approved"
    exam: str = ""
    proposal: int = 0
    digest: str = ""


@dataclass(frozen=True, slots=True)
class RegradeRejected(CommitteeAction):
    """A proposal rejected (or withdrawn by its proposer); it can no longer take effect."""

    kind: ClassVar[str] = "regrade.rejected"
    exam: str = ""
    proposal: int = 0


@dataclass(frozen=True, slots=True)
class KeyCorrected(CommitteeAction):
    """An approved proposal takes effect (never an edit): the corrections, who approved, which spec they turn
    into which. Every submitted attempt is regraded in the same transaction."""

    kind: ClassVar[str] = "key.corrected"
    exam: str = ""
    proposal: int = 0
    corrections: list[dict[str, JsonValue]] = field(default_factory=list)
    approvals: list[str] = field(default_factory=list)
    old_spec_hash: str = ""
    new_spec_hash: str = ""


@dataclass(frozen=True, slots=True)
class ScoreEntered(CommitteeAction):
    """A committee-entered mark (interview, socio-cultural assessment, or ``bonus``) for one candidate, on the
    component's scale in milli-points; ``None`` withdraws it. The latest entry counts; none is ever edited."""

    kind: ClassVar[str] = "score.entered"
    exam: str = ""
    candidate: str = ""
    component: str = ""
    value_milli: int | None = None


@dataclass(frozen=True, slots=True)
class AttemptRegraded(DomainEvent):
    """An attempt graded again after a key correction (``correction`` is that event's sequence number)."""

    kind: ClassVar[str] = "attempt.regraded"
    candidate: str
    correction: int
    grader_version: str
    inputs_hash: str
    total_milli: int
    passed: bool
    sections: list[dict[str, JsonValue]]
    attempt_id: int | None = None


@dataclass(frozen=True, slots=True)
class ResultsPublished(CommitteeAction):
    """The results: every formation's scored candidates with their ranks, and who was not scored."""

    kind: ClassVar[str] = "results.published"
    exam: str = ""
    grader_version: str = ""
    ranking: str = ""
    formations: list[dict[str, JsonValue]] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class WitnessCosigned(DomainEvent):
    """A witness countersigned a checkpoint with their own key (the cosigned note is kept and published)."""

    kind: ClassVar[str] = "witness.cosigned"
    by: str
    witness: str
    vkey: str
    size: int


@dataclass(frozen=True, slots=True)
class VideoSegmentClosed(DomainEvent):
    """An archived video file of the venue closed; its hash makes the recording part of the record."""

    kind: ClassVar[str] = "video.segment"
    camera: str
    epoch: int
    seq: int
    path: str
    sha256: str
    bytes: int
    start_ms: int
    duration_ms: int


@dataclass(frozen=True, slots=True)
class UploadAccepted(DomainEvent):
    """A candidate's practical-task file passed the upload checks and was stored (its hash is the evidence)."""

    kind: ClassVar[str] = "upload.accepted"
    candidate: str
    item: str
    sha256: str
    name: str
    size: int
    attempt_id: int | None = None
