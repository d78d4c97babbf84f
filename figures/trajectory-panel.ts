// One MDS panel of saved models: a label per model in its trajectory's colour, consecutive
// epochs of a trajectory joined by a faint line. Shared by every trajectory map (E3, E4, E5).
// The rows come from a table named 'points' with columns view, x, y, path, epoch, trajectory
// and the label field; the panel keeps the rows of its view.

const PANEL_SIZE = 300;

/**
 * The colour of a trajectory, by its number: the same encoding in every layer and panel that
 * uses it, so vega-lite merges them into one legend (`title` names what the trajectories are).
 */
export function trajectoryColor(title = 'trajectory') {
  return {
    field: 'trajectory',
    type: 'nominal' as const,
    scale: { scheme: 'category10' },
    // full-strength symbols, whatever the opacity of the marks that share the legend
    legend: { title, orient: 'right' as const, symbolOpacity: 1 },
  };
}

export interface PanelOptions {
  title: string;
  subtitle?: string;
  view: string;
  /** the field drawn as each point's label: a number (epoch) or preformatted text */
  label: 'epoch' | 'trainErrorLabel';
  /** what the trajectories are, for the legend (default 'trajectory') */
  legendTitle?: string;
  /** the label that groups trajectories, shown first in the tooltip (default: the stage) */
  group?: { field: string; title: string };
}

export function trajectoryPanel({ title, subtitle, view, label, legendTitle, group = { field: 'stage', title: 'stage' } }: PanelOptions) {
  const color = trajectoryColor(legendTitle);
  return {
    title: { text: title, anchor: 'start' as const, fontSize: 13, ...(subtitle ? { subtitle, subtitleFontSize: 10, subtitleColor: '#666' } : {}) },
    width: PANEL_SIZE,
    height: PANEL_SIZE,
    data: { name: 'points' },
    transform: [{ filter: { field: 'view', equal: view } }],
    layer: [
      {
        mark: { type: 'line' as const, strokeWidth: 0.8, opacity: 0.35 },
        encoding: {
          x: { field: 'x', type: 'quantitative' as const, title: 'MDS dimension 1', axis: { labels: false, ticks: false } },
          y: { field: 'y', type: 'quantitative' as const, title: 'MDS dimension 2', axis: { labels: false, ticks: false } },
          detail: { field: 'path', type: 'nominal' as const },
          order: { field: 'epoch', type: 'quantitative' as const },
          color,
        },
      },
      {
        mark: { type: 'text' as const, fontSize: 9, fontWeight: 'bold' as const },
        encoding: {
          x: { field: 'x', type: 'quantitative' as const },
          y: { field: 'y', type: 'quantitative' as const },
          text: { field: label, type: label === 'epoch' ? ('quantitative' as const) : ('nominal' as const) },
          color,
          tooltip: [
            { field: group.field, type: 'quantitative' as const, title: group.title },
            { field: 'trajectory', type: 'nominal' as const },
            { field: 'epoch', type: 'quantitative' as const, title: 'epoch (from the start)' },
            { field: 'trainError', type: 'quantitative' as const, format: '.1%', title: 'train error' },
            { field: 'testError', type: 'quantitative' as const, format: '.1%', title: 'test error' },
          ],
        },
      },
    ],
  };
}
