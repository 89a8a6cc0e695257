"""Exports of accepted samples in the shapes public datasets use, so their users can switch."""
