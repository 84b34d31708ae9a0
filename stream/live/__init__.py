"""Live standings for the public: model, ranking, feed, fan-out over Socket.IO and the /live pages."""
