-- Sign-in throttling counts failures per (account, address) and per address,
-- never per account alone: failures from one address must not slow down the
-- account's owner signing in from another (README, Abuse and hardening).
CREATE INDEX login_failures_pair ON login_failures (email, address, at);
-- Nothing counts per account alone any more.
DROP INDEX login_failures_email;
