"""Repair booking: the `booking` flow (new bookings, status, move, cancel). See "Repair booking" in README.md."""

from bot.engine.booking.flow import BookingFlow

__all__ = ["BookingFlow"]
