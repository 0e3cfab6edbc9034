import { useEffect } from "react";

/** The browser tab says which view it is ("history etl · mltrace"). */
export function useTitle(title: string): void {
  useEffect(() => {
    document.title = title ? `${title} · mltrace` : "mltrace";
  }, [title]);
}
