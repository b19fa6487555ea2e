// The console's look: uPlot's own sheet and a few rules of ours.
import uplotCss from 'uplot/dist/uPlot.min.css';

const OURS = `
body { font: 13px system-ui, sans-serif; margin: 12px; color: #222; }
h1 { font-size: 18px; margin: 0 0 8px; } h2 { font-size: 15px; margin: 4px 0; } h3 { font-size: 13px; margin: 4px 0; }
.panel { border: 1px solid #ccc; border-radius: 4px; padding: 8px; margin: 0 0 10px; }
.charts { display: flex; flex-wrap: wrap; gap: 8px; } .charts h3, .charts ul { width: 100%; }
#fault-marks li { color: #c02020; }
#topic-tree ul, #topic-tree li { list-style: none; padding-left: 14px; margin: 0; }
#topic-tree .level { font-weight: 600; } #topic-tree .rate { color: #3b7a4a; } #topic-tree .retained { color: #a06010; }
#topic-tree code { color: #555; }
#timeline table { border-collapse: collapse; margin-top: 6px; font-family: ui-monospace, monospace; }
#timeline td, #timeline th { padding: 1px 8px; text-align: left; } .dir-in { color: #1f5f99; } .dir-out { color: #6a3a99; } .dir-note { color: #c02020; } .dir-device { color: #3b7a4a; font-style: italic; }
#status.up { color: #2a8a3a; } #status.down { color: #c02020; }
#results table { border-collapse: collapse; margin: 4px 0 10px; } #results td, #results th { padding: 1px 8px; text-align: left; }
#results caption { text-align: left; font-weight: 600; } #results .pass td:nth-child(2) { color: #2a8a3a; } #results .fail td:nth-child(2) { color: #c02020; } #results .skip td:nth-child(2) { color: #a06010; }
`;

export function installStyle(): void {
  const style = document.createElement('style');
  style.textContent = uplotCss + OURS;
  document.head.append(style);
}
