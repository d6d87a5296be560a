// closer-panel.js, the script-tag build's panel chunk: closer.js injects it on intent and picks it up here.
import { mountPanel } from './mountPanel.ts';

(window as unknown as { __closerPanel?: typeof mountPanel }).__closerPanel = mountPanel;
