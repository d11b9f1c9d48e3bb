"""Telegram-facing conversations: parse the update, call a bot service, render the reply."""
