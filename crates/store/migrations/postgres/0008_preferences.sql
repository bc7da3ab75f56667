-- Each user's language for pages and reports ('en' or 'zh-CN'); NULL: taken from the browser.
ALTER TABLE users ADD COLUMN locale TEXT;
