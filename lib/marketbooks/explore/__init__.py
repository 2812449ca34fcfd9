"""The dashboards' Explore sections: ipywidgets controls that recompute through the rules."""
