"""Repair booking: the `booking` flow (new bookings, status, move, cancel). See docs/booking.md."""

from bot.engine.booking.flow import BookingFlow

__all__ = ["BookingFlow"]
