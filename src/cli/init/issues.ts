/**
 * The starter project's data: issues filed against a fictional static-site generator, "pagewright",
 * each labelled bug, feature, question or docs. Small enough to read in a minute, varied enough that
 * optimizing on `sim` learns something it can carry from train to dev and test.
 */
export interface Issue {
  id: string;
  title: string;
  body: string;
  label: "bug" | "feature" | "question" | "docs";
}

type Row = [title: string, body: string, label: Issue["label"]];

const TRAIN: Row[] = [
  ["Build crashes when a page has no front matter", "Running `pagewright build` on a Markdown file without a front matter block crashes with TypeError: Cannot read properties of undefined (reading 'title'). Stack trace attached.", "bug"],
  ["Add support for RSS feeds", "It would be great if pagewright could generate an RSS or Atom feed for the blog section. Right now I maintain one by hand.", "feature"],
  ["How do I change the output folder?", "I want the site in `public/` instead of `dist/`. Is there a setting for that, or do I have to move the files after the build?", "question"],
  ["Typo in the themes guide", "The themes page says `pagewright theme instal`, missing an l. Small thing, but people copy it.", "docs"],
  ["Dev server stops reloading after a rename", "If I rename a Markdown file while `pagewright serve` is running, live reload stops working until I restart. The console shows ENOENT for the old path.", "bug"],
  ["Option to disable the generator meta tag", "Please add an option to leave out the <meta name=generator> tag. Some of our clients don't want it in the HTML.", "feature"],
  ["Is it possible to use pagewright without Node on the server?", "Our host only serves static files. Can I build locally and upload the result, or does anything run at request time?", "question"],
  ["README install command is outdated", "The README still says `npm install -g pagewright-cli`, but the package was renamed to `pagewright`. The documentation should be updated.", "docs"],
  ["Images with spaces in the file name are broken", "An image called `my photo.png` renders as a broken image: the generated src is not URL-encoded. Regression since 2.3.", "bug"],
  ["Allow custom slugs per page", "It would be nice to set a `slug:` in front matter, so a page's URL does not have to follow its file name.", "feature"],
  ["What is the best way to add analytics?", "Should I edit the theme's layout, or is there a hook for adding a script to every page? What do most people do?", "question"],
  ["Broken link in the deployment docs", "The 'Deploy to Netlify' link on the deployment page goes to a 404. The documentation probably moved.", "docs"],
  ["Wrong dates on posts in UTC+ time zones", "Posts dated 2024-03-01 show as February 29 when I build on my laptop in Berlin. The date is parsed as UTC and then shifted.", "bug"],
  ["Support for multiple languages", "Please add i18n support: a way to have `en/` and `de/` versions of a page, and a language switcher in the theme.", "feature"],
  ["Can I use Tailwind with the default theme?", "I'd like to style my pages with Tailwind classes. How do I hook the Tailwind build into pagewright, or is that not supported?", "question"],
  ["Document the drafts flag", "`pagewright build --drafts` exists (I found it in the source) but it is not mentioned anywhere in the docs or the CLI reference page.", "docs"],
  ["Build fails on Windows with backslash paths", "On Windows 11, `pagewright build` throws Error: invalid path 'content\\posts\\a.md'. Works fine on macOS. Full error output below.", "bug"],
  ["Add a search box to the default theme", "It would be great to have client-side search out of the box: a prebuilt index and a small search box in the header.", "feature"],
  ["How do I make a page the home page?", "I have `content/welcome.md` and want it at `/`. How do I tell pagewright which page is the index?", "question"],
  ["Example config in the guide does not match the schema", "The getting-started guide shows `outDir:` but the config reference says `output_dir:`. The example in the documentation should be fixed.", "docs"],
  ["Code blocks cut short by backticks inside strings", "A fenced block that contains three backticks inside a string is cut short, and the rest of the page renders as code. The output is wrong.", "bug"],
  ["Let plugins add CLI commands", "Could you allow plugins to register their own subcommands, like `pagewright deploy`? It would make the plugin API much more useful.", "feature"],
  ["Where are the build caches stored?", "My CI keeps rebuilding everything. Where does pagewright keep its cache, and can I keep it between runs?", "question"],
  ["Missing page about environment variables", "There is no documentation page listing the environment variables pagewright reads. I had to grep the source to find PAGEWRIGHT_ENV.", "docs"],
];

const DEV: Row[] = [
  ["Sitemap contains draft pages", "After a build with default settings, sitemap.xml lists pages marked `draft: true`. They should be left out; this looks like a regression.", "bug"],
  ["Add an option to minify HTML", "Please add a `minify` option so the generated HTML is minified. It would be great for page speed scores.", "feature"],
  ["How do I deploy to GitHub Pages?", "What do I need to set so the site works under `username.github.io/project/`? Is there a base path setting?", "question"],
  ["Typo in the CLI reference", "The CLI reference lists `--ouput` instead of `--output`. Found while reading the docs.", "docs"],
  ["serve crashes when port 4000 is in use", "`pagewright serve` crashes with an unhandled EADDRINUSE error instead of picking another port or printing a message.", "bug"],
  ["Support shortcodes in Markdown", "It would be nice to have shortcodes like {{< youtube id >}} so I don't have to paste iframe HTML into posts.", "feature"],
  ["Is it possible to have two blogs in one site?", "Can I have `/news/` and `/engineering/` as separate blogs with their own lists and feeds? How would I set that up?", "question"],
  ["The plugin guide example is outdated", "The plugin guide uses `module.exports = …` but plugins are ES modules now. The example in the documentation no longer works as written.", "docs"],
  ["Table of contents links wrong for headings with emoji", "A heading like '## 🚀 Launch' gets the id `-launch`, but the table of contents links to `launch`, so clicking it does nothing.", "bug"],
  ["Allow excluding folders from the build", "Please add an `exclude` setting so folders like `content/archive/` are skipped entirely.", "feature"],
  ["Can I preview drafts on the dev server only?", "I want drafts visible when I run `serve` but never in production builds. How do I do that?", "question"],
  ["Broken screenshots on the themes documentation page", "All the screenshots on the themes page of the docs show as broken images. The links point to an old domain.", "docs"],
];

const TEST: Row[] = [
  ["Build error with quoted front matter dates", "`date: \"2024-05-01\"` with quotes throws Error: invalid date and the build fails. Without quotes it works.", "bug"],
  ["Add dark mode to the default theme", "It would be great if the default theme followed prefers-color-scheme. Please add a dark variant.", "feature"],
  ["How do I add a custom 404 page?", "What file name does pagewright expect for a 404 page, and will hosts pick it up automatically?", "question"],
  ["README links to a dead chat invite", "The community link in the README has expired. Please update the documentation with a working invite.", "docs"],
  ["Live reload broken in Firefox", "Since 2.4 the dev server's live reload does not work in Firefox; the console shows a WebSocket error. Chrome is fine.", "bug"],
  ["Support for footnotes", "Please add support for Markdown footnotes ([^1]). It would be nice to have them rendered at the end of the post.", "feature"],
  ["Can I use a different Markdown parser?", "Is it possible to swap the built-in parser for markdown-it with my own plugins? How would I configure it?", "question"],
  ["Config reference is missing base_url", "`base_url` works but is not on the config reference page of the docs. It took me an hour to find it.", "docs"],
  ["Pagination produces an empty last page", "With 20 posts and `per_page: 10`, the build creates /page/3/ with no posts. An off-by-one in pagination.", "bug"],
  ["Allow a custom date format", "It would be nice to have a `date_format` setting instead of the fixed YYYY-MM-DD in post lists.", "feature"],
  ["Where do I put static files like favicon.ico?", "How do I make sure a favicon is copied to the output? Which folder is it supposed to go in?", "question"],
  ["Typo and wrong flag in the quickstart", "The quickstart says `pagewright new sit` and uses `--theme=minimal`, but the flag is `--theme minimal`. The docs need a fix.", "docs"],
];

function issues(prefix: string, rows: readonly Row[]): Issue[] {
  return rows.map(([title, body, label], i) => ({ id: `${prefix}-${String(i + 1).padStart(2, "0")}`, title, body, label }));
}

export const ISSUES = { train: issues("train", TRAIN), dev: issues("dev", DEV), test: issues("test", TEST) };
