class TopologicalClassifier: pass
