"""Datasets, skeleton layouts and the synthetic long-tailed data generator."""
from .layouts import LAYOUTS, SkeletonLayout, get_layout

__all__ = ['LAYOUTS', 'SkeletonLayout', 'get_layout']
