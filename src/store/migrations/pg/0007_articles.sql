-- Articles, edited at /admin/articles (twin of sqlite/0007).
CREATE TABLE articles (
    slug text PRIMARY KEY CHECK (length(slug) BETWEEN 1 AND 100),
    title text NOT NULL CHECK (length(title) BETWEEN 1 AND 200),
    summary text NOT NULL DEFAULT '' CHECK (length(summary) <= 1000),
    image text NOT NULL DEFAULT '',
    image_alt text NOT NULL DEFAULT '',
    body_md text NOT NULL DEFAULT '',
    body_html text NOT NULL DEFAULT '',
    position bigint NOT NULL DEFAULT 0,
    published bigint NOT NULL DEFAULT 0 CHECK (published IN (0, 1)),
    updated_at bigint NOT NULL DEFAULT 0,
    CHECK (image = '' OR image_alt <> '')
);
CREATE INDEX articles_order ON articles (published, position, slug);
