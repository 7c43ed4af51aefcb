/**
 * A message's body: its HTML when it has some (the server's sanitize-html allow-list made it
 * safe), else its text as text. Either follows its own direction (`dir="auto"`).
 */
export function MessageBody({ html, text }: { html: string | null; text: string }) {
  return html ? (
    <div
      className="message-html text-sm break-words"
      dir="auto"
      dangerouslySetInnerHTML={{ __html: html }}
    />
  ) : (
    <p className="whitespace-pre-wrap text-sm break-words" dir="auto">
      {text}
    </p>
  );
}
