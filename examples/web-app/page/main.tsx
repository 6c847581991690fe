import { createRoot } from "react-dom/client";
import { App } from "./app.js";

const apiUrl = document.querySelector<HTMLMetaElement>('meta[name="wfc-api-url"]')!.content;
createRoot(document.getElementById("root")!).render(<App apiUrl={apiUrl} />);
