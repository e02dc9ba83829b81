"""Caller privacy: the number vault (HMAC, sealing), opt-out, erasure and retention."""
