// One MDS panel of saved models: a label per model in its trajectory's colour, consecutive
// epochs of a trajectory joined by a faint line. Shared by every trajectory map (E3, E4, E5).
// The rows come from a table named 'points' with columns view, x, y, path, epoch, trajectory,
// the label field and the tooltip's fields; the panel keeps the rows of its view.

const PANEL_SIZE = 300;

// the same colour encoding in both layers, so vega-lite merges them into one legend
function trajectoryColor(domain?: string[]) {
  return {
    field: 'trajectory',
    type: 'nominal' as const,
    scale: { scheme: 'category10', ...(domain ? { domain } : {}) },
    legend: { title: 'trajectory', orient: 'right' as const },
  };
}

export interface TooltipField {
  field: string;
  type: 'quantitative' | 'nominal';
  title?: string;
  format?: string;
}

/** E3's tooltip: stage, trajectory, epoch, train and test error. */
const STAGE_TOOLTIP: TooltipField[] = [
  { field: 'stage', type: 'quantitative' },
  { field: 'trajectory', type: 'nominal' },
  { field: 'epoch', type: 'quantitative', title: 'epoch (from the start)' },
  { field: 'trainError', type: 'quantitative', format: '.1%', title: 'train error' },
  { field: 'testError', type: 'quantitative', format: '.1%', title: 'test error' },
];

export interface PanelOptions {
  title: string;
  subtitle?: string;
  view: string;
  /** the field drawn as each point's label: a number (epoch) or preformatted text */
  label: 'epoch' | 'trainErrorLabel';
  /** the fields shown on hover (default: E3's, with the stage) */
  tooltip?: TooltipField[];
  /** the trajectories in legend order (default: sorted) */
  trajectories?: string[];
  /** width and height in pixels (default 300) */
  size?: number;
  /**
   * 'color' (default), or 'stroke-fill' (lines by stroke, labels by fill) for a panel beside charts
   * that share their colour scale, such as heatmaps
   */
  channels?: 'color' | 'stroke-fill';
}

export function trajectoryPanel({ title, subtitle, view, label, tooltip = STAGE_TOOLTIP, trajectories, size = PANEL_SIZE, channels = 'color' }: PanelOptions) {
  const color = trajectoryColor(trajectories);
  const [lineChannel, textChannel] = channels === 'color' ? ['color', 'color'] : ['stroke', 'fill'];
  return {
    title: { text: title, anchor: 'start' as const, fontSize: 13, ...(subtitle ? { subtitle, subtitleFontSize: 10, subtitleColor: '#666' } : {}) },
    width: size,
    height: size,
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
          [lineChannel]: color,
        },
      },
      {
        mark: { type: 'text' as const, fontSize: 9, fontWeight: 'bold' as const },
        encoding: {
          x: { field: 'x', type: 'quantitative' as const },
          y: { field: 'y', type: 'quantitative' as const },
          text: { field: label, type: label === 'epoch' ? ('quantitative' as const) : ('nominal' as const) },
          [textChannel]: color,
          tooltip,
        },
      },
    ],
  };
}
