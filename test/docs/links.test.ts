import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { PROJECT_ROOT } from '../../infra/project.js';

/** The pages a reader follows links between: the READMEs and every page of docs/. */
const PAGES = [
  'README.md',
  'test/payloads/README.md',
  ...readdirSync(join(PROJECT_ROOT, 'docs'))
    .filter((name) => name.endsWith('.md'))
    .map((name) => `docs/${name}`),
];

/** The anchor GitHub gives a heading: lower case, punctuation dropped, spaces as hyphens. */
const slugOf = (heading: string): string =>
  heading
    .trim()
    .toLowerCase()
    .replace(/[^\p{L}\p{N}\s_-]/gu, '')
    .replace(/\s/g, '-');

/** The anchors of a Markdown page's headings (outside code blocks). */
const anchorsOf = (markdown: string): Set<string> => {
  const anchors = new Set<string>();
  let inCode = false;
  for (const line of markdown.split('\n')) {
    if (line.startsWith('```')) inCode = !inCode;
    const heading = !inCode && /^#{1,6}\s+(.*)$/.exec(line);
    if (heading) anchors.add(slugOf(heading[1] ?? ''));
  }
  return anchors;
};

/** Every relative link of a Markdown page (outside code blocks): its target and anchor. */
const linksOf = (markdown: string): { target: string; anchor?: string }[] => {
  const prose = markdown.replace(/^```[\s\S]*?^```/gm, '');
  return [...prose.matchAll(/\]\(([^)\s]+)\)/g)]
    .map((match) => match[1] ?? '')
    .filter((href) => !/^[a-z]+:/i.test(href))
    .map((href) => {
      const [target = '', anchor] = href.split('#');
      return anchor === undefined ? { target } : { target, anchor };
    });
};

describe('the links of the README and docs/', () => {
  it('reads every page it checks', () => {
    expect(PAGES).toContain('docs/guide.md');
    for (const page of PAGES) expect(existsSync(join(PROJECT_ROOT, page)), page).toBe(true);
  });

  it.each(PAGES)('%s: every relative link names a file, and every anchor a heading of it', (page) => {
    const broken: string[] = [];
    for (const { target, anchor } of linksOf(readFileSync(join(PROJECT_ROOT, page), 'utf8'))) {
      const file = target === '' ? join(PROJECT_ROOT, page) : resolve(PROJECT_ROOT, dirname(page), target);
      if (!existsSync(file)) {
        broken.push(`${target}: no such file`);
        continue;
      }
      if (anchor === undefined || !file.endsWith('.md') || statSync(file).isDirectory()) continue;
      if (!anchorsOf(readFileSync(file, 'utf8')).has(anchor))
        broken.push(`${relative(PROJECT_ROOT, file)}#${anchor}: no such heading`);
    }
    expect(broken).toStrictEqual([]);
  });
});
