-- Operators (issue 20): the vendor's own people, created by `server operator add NAME`.
CREATE TABLE operators (
    id BIGSERIAL PRIMARY KEY,
    username TEXT NOT NULL,
    username_key TEXT NOT NULL UNIQUE,
    password_hash TEXT NOT NULL,
    created_at BIGINT NOT NULL
);
