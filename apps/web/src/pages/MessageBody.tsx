import { useState } from 'react';
import { textWithLinks } from '../format.js';
import { useT } from '../i18n.js';

interface Body {
  html: string | null;
  text: string;
}

/**
 * A message's body: its HTML when it has some (the server's sanitize-html allow-list made it
 * safe), else its text as text, its web addresses as links. Either follows its own direction
 * (`dir="auto"`). An email whose quoted history or signature was trimmed (`original`) can be
 * shown whole.
 */
export function MessageBody(props: Body & { original?: Body | undefined }) {
  const t = useT();
  const [whole, setWhole] = useState(false);
  const shown = whole && props.original ? props.original : props;
  return (
    <>
      {shown.html ? (
        <div
          className="message-html text-sm break-words"
          dir="auto"
          dangerouslySetInnerHTML={{ __html: shown.html }}
        />
      ) : (
        <p className="whitespace-pre-wrap text-sm break-words" dir="auto">
          {textWithLinks(shown.text).map((part, i) =>
            'url' in part ? (
              <a
                key={i}
                href={part.url}
                target="_blank"
                rel="noopener noreferrer nofollow"
                className="text-indigo-700 underline dark:text-indigo-300"
              >
                {part.url}
              </a>
            ) : (
              part.text
            ),
          )}
        </p>
      )}
      {props.original && (
        <button
          type="button"
          className="mt-1 rounded text-xs text-slate-600 underline-offset-2 hover:underline dark:text-slate-300"
          aria-expanded={whole}
          onClick={() => setWhole(!whole)}
          data-testid="message-whole"
        >
          {t(whole ? 'message.hideQuoted' : 'message.showQuoted')}
        </button>
      )}
    </>
  );
}
