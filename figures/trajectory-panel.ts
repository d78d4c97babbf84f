// One MDS panel of saved models: a label per model in its trajectory's colour, consecutive
// epochs of a trajectory joined by a faint line. Shared by every trajectory map (E3, E4, E5).
// The rows come from a table named 'points' with columns view, x, y, path, epoch, trajectory,
// the label field and the tooltip's fields; the panel keeps the rows of its view.

const PANEL_SIZE = 300;

/**
 * The colour of a trajectory: the same encoding in every layer and panel that uses it, so
 * vega-lite merges them into one legend (`title` names what the trajectories are; `domain` fixes
 * their order).
 */
export function trajectoryColor(title = 'trajectory', domain?: string[]) {
  return {
    field: 'trajectory',
    type: 'nominal' as const,
    scale: { scheme: 'category10', ...(domain ? { domain } : {}) },
    // full-strength symbols, whatever the opacity of the marks that share the legend
    legend: { title, orient: 'right' as const, symbolOpacity: 1 },
  };
}

export interface TooltipField {
  field: string;
  type: 'quantitative' | 'nominal';
  title?: string;
  format?: string;
}

/** A trajectory's tooltip after its group field: trajectory, epoch, train and test error. */
export const TRAJECTORY_TOOLTIP: TooltipField[] = [
  { field: 'trajectory', type: 'nominal' },
  { field: 'epoch', type: 'quantitative', title: 'epoch (from the start)' },
  { field: 'trainError', type: 'quantitative', format: '.1%', title: 'train error' },
  { field: 'testError', type: 'quantitative', format: '.1%', title: 'test error' },
];

/** E3's tooltip: the stage first. */
const STAGE_TOOLTIP: TooltipField[] = [{ field: 'stage', type: 'quantitative' }, ...TRAJECTORY_TOOLTIP];

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
  /** what the trajectories are, for the legend (default 'trajectory') */
  legendTitle?: string;
  /** width and height in pixels (default 300) */
  size?: number;
  /**
   * 'color' (default), or 'stroke-fill' (lines by stroke, labels by fill) for a panel beside charts
   * that share their colour scale, such as heatmaps
   */
  channels?: 'color' | 'stroke-fill';
}

export function trajectoryPanel({ title, subtitle, view, label, tooltip = STAGE_TOOLTIP, trajectories, legendTitle, size = PANEL_SIZE, channels = 'color' }: PanelOptions) {
  const color = trajectoryColor(legendTitle, trajectories);
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
