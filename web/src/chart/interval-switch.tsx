import { INTERVALS, type Interval } from './intervals';

export interface IntervalSwitchProps {
  value: Interval;
  onChange: (interval: Interval) => void;
}

/** The candle interval: a group of toggle buttons, one pressed. */
export function IntervalSwitch({ value, onChange }: IntervalSwitchProps) {
  return (
    <div className="segmented" role="group" aria-label="Candle interval">
      {INTERVALS.map((interval) => (
        <button
          key={interval}
          type="button"
          aria-pressed={interval === value}
          onClick={() => onChange(interval)}
        >
          {interval}
        </button>
      ))}
    </div>
  );
}
