"""The inbound conversation: the order every text and call passes (order.py).

Flask-free: plain values in, plain values out, so a whole Flask-free pipeline can grow
here (sessions, caller words, rate limits, volunteer commands; see DESIGN.md section 2).
"""
