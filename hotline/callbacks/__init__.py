"""Call-back requests: the queue and its Lua, intake (menu, missed calls), bridged calls and
outcomes."""
