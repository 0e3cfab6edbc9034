import { AnchorButton, type AnchorButtonProps } from "@blueprintjs/core";
import { useNavigate } from "react-router";

/** A Blueprint button that is a real link (middle-click, copy link) and navigates client-side on a plain click. */
export function LinkButton({ to, ...props }: AnchorButtonProps & { to: string }) {
  const navigate = useNavigate();
  return (
    <AnchorButton
      {...props}
      href={to}
      onClick={(e) => {
        if (e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey || e.altKey) return;
        e.preventDefault();
        void navigate(to);
      }}
    />
  );
}
