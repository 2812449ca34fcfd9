"""Explore sections: ipywidgets controls that recompute through the library.

This layer sits beside the notebooks (it uses the domain modules, they never use it).
Bad input shows a message in the dashboard, never a traceback.
"""
