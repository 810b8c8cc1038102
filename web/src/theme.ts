// Colours drawn on canvas (the chart). The same values are CSS variables in styles.css.
import type { Severity } from './api-types';

export const theme = {
  background: '#0f141a',
  panel: '#151b23',
  grid: '#1e2631',
  border: '#273241',
  text: '#d5dce5',
  muted: '#8794a5',
  up: '#34b27b',
  down: '#e5534b',
  accent: '#5b9cf5',
  sma: '#e0b341',
  volumeUp: 'rgba(52, 178, 123, 0.35)',
  volumeDown: 'rgba(229, 83, 75, 0.35)',
} as const;

export const severityColor: Readonly<Record<Severity, string>> = {
  medium: '#d4a72c',
  high: '#ec8a3c',
  critical: '#f0524a',
};
