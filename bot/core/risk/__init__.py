"""The risk layer: rules (rules.yml), the detector, the learned model, the screen's history, safety answers."""
