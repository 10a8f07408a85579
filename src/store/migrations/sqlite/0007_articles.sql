-- Articles, edited at /admin/articles (until now Markdown files in content/,
-- which `knead demo` still seeds from).  body_html is body_md rendered by
-- md4c when the article is saved, so a page view never re-renders.
-- position orders /articles and previous/next among published articles.
CREATE TABLE articles (
    slug TEXT PRIMARY KEY CHECK (length(slug) BETWEEN 1 AND 100),
    title TEXT NOT NULL CHECK (length(title) BETWEEN 1 AND 200),
    summary TEXT NOT NULL DEFAULT '' CHECK (length(summary) <= 1000),
    image TEXT NOT NULL DEFAULT '',
    image_alt TEXT NOT NULL DEFAULT '',
    body_md TEXT NOT NULL DEFAULT '',
    body_html TEXT NOT NULL DEFAULT '',
    position INTEGER NOT NULL DEFAULT 0,
    published INTEGER NOT NULL DEFAULT 0 CHECK (published IN (0, 1)),
    updated_at INTEGER NOT NULL DEFAULT 0,
    CHECK (image = '' OR image_alt <> '')
);
CREATE INDEX articles_order ON articles (published, position, slug);
