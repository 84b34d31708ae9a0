"""Everything that flows live to the public: standings fan-out, public edge, video."""
