-- The token a renewal replaced: it stays valid until this one is first used, so a device whose
-- renewal answer was lost keeps its old token. NULL once used, and for tokens not renewed.
ALTER TABLE devices ADD COLUMN IF NOT EXISTS replaces TEXT;
