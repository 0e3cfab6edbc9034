import { H2, H4, HTMLTable } from "@blueprintjs/core";
import { COMMANDS } from "../../model/commands/parse";
import { useTitle } from "../../components/useTitle";
import "./help.css";

export function HelpView() {
  useTitle("help");
  return (
    <section data-testid="view-help">
      <H2>Commands</H2>
      <HTMLTable compact striped data-testid="help-commands">
        <thead>
          <tr>
            <th>Command</th>
            <th>What it shows</th>
          </tr>
        </thead>
        <tbody>
          {COMMANDS.map((c) => (
            <tr key={c.name}>
              <td className="mono">{c.usage}</td>
              <td>{c.description}</td>
            </tr>
          ))}
        </tbody>
      </HTMLTable>
      <H4 className="section-title">Keys</H4>
      <ul className="keys">
        <li>
          <kbd>/</kbd> or <kbd>Ctrl</kbd>+<kbd>K</kbd> focuses the command bar; <kbd>Enter</kbd> runs the command.
        </li>
        <li>
          <kbd>Tab</kbd> completes component names, tags and outputs; <kbd>↑</kbd> <kbd>↓</kbd> walk the suggestions, or
          previous commands when no suggestions are open; <kbd>Esc</kbd> closes them.
        </li>
        <li>
          In the OTel trace: <kbd>↑</kbd> <kbd>↓</kbd> move between spans, <kbd>←</kbd> <kbd>→</kbd> collapse and
          expand, <kbd>Esc</kbd> closes the details.
        </li>
        <li>
          Arguments with spaces go in quotes: <code>trace "my file.csv"</code>.
        </li>
      </ul>
      <p className="muted">
        Every view has its own address: copy it from the browser to share the view, reload to refresh it.
      </p>
    </section>
  );
}
