"""Mojaz (موجز): short, correct, sourced Arabic briefings from five documents, on Telegram and the console."""
