"""Menu scripts as staff publish them: versions, drafts, the live set, the simulator and
the texts for volunteers."""
