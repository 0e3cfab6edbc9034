// Syntax-highlighted source (the run's code snapshot). Prism escapes the source before adding its markup.

import Prism from "prismjs";
import "prismjs/components/prism-python";
import { useMemo } from "react";
import "./CodeBlock.css";

export function CodeBlock({ code, language = "python" }: { code: string; language?: string }) {
  const html = useMemo(() => {
    const grammar = Prism.languages[language] as Prism.Grammar | undefined;
    return grammar ? Prism.highlight(code, grammar, language) : escapeHtml(code);
  }, [code, language]);
  return (
    <pre className={`code-block language-${language}`} data-testid="code-snapshot">
      <code dangerouslySetInnerHTML={{ __html: html }} />
    </pre>
  );
}

function escapeHtml(text: string): string {
  return text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
}
