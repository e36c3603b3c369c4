-- A revision the server refused stays queued with the server's reason, and is not sent again
-- until it is edited: one bad report must not hold back the rest of the queue.
ALTER TABLE outbox ADD COLUMN refused TEXT;
