import { memo, useId, useMemo, useState } from 'react';

import { formatCompact, formatCount, formatPercent, formatPrice } from '../format/format';
import {
  DEFAULT_SORT,
  nextSort,
  visibleRows,
  type BoardRow,
  type SortKey,
  type SortState,
} from './board-model';

interface Column {
  key: SortKey;
  label: string;
  title: string;
  numeric: boolean;
  /** Left out on narrow screens. */
  secondary?: boolean;
}

const COLUMNS: readonly Column[] = [
  { key: 'symbol', label: 'Symbol', title: 'Symbol', numeric: false },
  { key: 'currentPrice', label: 'Last', title: 'Last price', numeric: true },
  { key: 'changeFromAverage', label: 'vs MA', title: 'Change from the moving average', numeric: true },
  { key: 'movingAverage', label: 'MA', title: 'Moving average', numeric: true, secondary: true },
  { key: 'minPrice', label: 'Min', title: 'Lowest price', numeric: true, secondary: true },
  { key: 'maxPrice', label: 'Max', title: 'Highest price', numeric: true, secondary: true },
  { key: 'updateCount', label: 'Updates', title: 'Accepted ticks', numeric: true },
  { key: 'volume', label: 'Volume', title: 'Volume', numeric: true },
];

function ariaSort(sort: SortState, key: SortKey): 'ascending' | 'descending' | 'none' {
  if (sort.key !== key) return 'none';
  return sort.direction === 'asc' ? 'ascending' : 'descending';
}

function signClass(value: number): string {
  if (!Number.isFinite(value) || value === 0) return '';
  return value > 0 ? 'up' : 'down';
}

interface RowProps {
  row: BoardRow;
  selected: boolean;
  onSelect: (symbol: string) => void;
}

const BoardRowView = memo(function BoardRowView({ row, selected, onSelect }: RowProps) {
  const { stats, move, moveSeq } = row;
  return (
    <tr
      className={selected ? 'selected' : undefined}
      data-testid="board-row"
      data-symbol={stats.symbol}
      onClick={() => onSelect(stats.symbol)}
    >
      <th scope="row">
        {/* The row's click handler selects; the button makes it reachable and usable by keyboard. */}
        <button type="button" className="symbol-button" aria-pressed={selected}>
          {stats.symbol}
        </button>
      </th>
      <td className="num">
        <span key={moveSeq} className={move ? `price flash-${move}` : 'price'}>
          <span className={`move-arrow ${move ?? ''}`} aria-hidden="true">
            {move === 'up' ? '▲' : move === 'down' ? '▼' : ''}
          </span>
          {formatPrice(stats.currentPrice)}
        </span>
      </td>
      <td className={`num ${signClass(stats.changeFromAverage)}`}>
        {formatPercent(stats.changeFromAverage)}
      </td>
      <td className="num secondary">{formatPrice(stats.movingAverage)}</td>
      <td className="num secondary">{formatPrice(stats.minPrice)}</td>
      <td className="num secondary">{formatPrice(stats.maxPrice)}</td>
      <td className="num" data-testid="update-count">
        {formatCount(stats.updateCount)}
      </td>
      <td className="num">{formatCompact(stats.volume)}</td>
    </tr>
  );
});

export interface SymbolBoardProps {
  rows: readonly BoardRow[];
  /** A snapshot has arrived: an empty board now means there are no symbols yet. */
  loaded: boolean;
  selected: string | null;
  onSelect: (symbol: string) => void;
  /** Neither the stream nor REST could deliver. */
  error?: string | null;
}

/** Every symbol's live statistics; sortable by any column (mouse or keyboard) and filterable. */
export function SymbolBoard({ rows, loaded, selected, onSelect, error }: SymbolBoardProps) {
  const id = useId();
  const [filter, setFilter] = useState('');
  const [sort, setSort] = useState<SortState>(DEFAULT_SORT);
  const visible = useMemo(() => visibleRows(rows, filter, sort), [rows, filter, sort]);

  let state: string | null = null;
  if (!loaded) state = error ? `Symbols cannot be loaded: ${error}` : 'Loading symbols…';
  else if (rows.length === 0) state = 'No symbols yet. They appear here with their first tick.';
  else if (visible.length === 0) state = `No symbol matches “${filter}”.`;

  return (
    <section className="panel board-panel" aria-labelledby={`${id}-title`}>
      <header className="panel-header">
        <h2 id={`${id}-title`}>Symbols</h2>
        <input
          type="search"
          className="filter"
          placeholder="Filter symbols"
          aria-label="Filter symbols"
          value={filter}
          onChange={(event) => setFilter(event.target.value)}
        />
        <span className="muted count" aria-live="polite">
          {loaded && filter ? `${visible.length} of ${rows.length}` : loaded ? `${rows.length}` : ''}
        </span>
      </header>
      <div className="table-scroll">
        <table className="board">
          <thead>
            <tr>
              {COLUMNS.map((column) => (
                <th
                  key={column.key}
                  scope="col"
                  aria-sort={ariaSort(sort, column.key)}
                  className={`${column.numeric ? 'num' : ''} ${column.secondary ? 'secondary' : ''}`}
                >
                  <button
                    type="button"
                    className="sort-button"
                    title={column.title}
                    onClick={() => setSort((current) => nextSort(current, column.key))}
                  >
                    {column.label}
                    <span className="sort-indicator" aria-hidden="true">
                      {sort.key === column.key ? (sort.direction === 'asc' ? '↑' : '↓') : ''}
                    </span>
                  </button>
                </th>
              ))}
            </tr>
          </thead>
          <tbody>
            {visible.map((row) => (
              <BoardRowView
                key={row.stats.symbol}
                row={row}
                selected={row.stats.symbol === selected}
                onSelect={onSelect}
              />
            ))}
          </tbody>
        </table>
        {state && (
          <p
            className={error && !loaded ? 'state error' : 'state'}
            role={error && !loaded ? 'alert' : undefined}
          >
            {state}
          </p>
        )}
      </div>
    </section>
  );
}
