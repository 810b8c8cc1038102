import '../test-support/dom-env';

import assert from 'node:assert/strict';
import { afterEach, describe, it } from 'node:test';

import { cleanup, fireEvent, render, screen, within } from '@testing-library/react';

import type { BoardRow, SymbolStats } from './board-model';
import { SymbolBoard } from './symbol-board';

function row(symbol: string, patch: Partial<SymbolStats> = {}, move: BoardRow['move'] = null): BoardRow {
  return {
    stats: {
      symbol,
      currentPrice: 100,
      movingAverage: 100,
      updateCount: 10,
      lastUpdateTime: 0,
      minPrice: 90,
      maxPrice: 110,
      changeFromAverage: 0,
      volume: 5,
      ...patch,
    },
    move,
    moveSeq: move ? 1 : 0,
  };
}

const rows = [
  row('MSFT', { volume: 10, updateCount: 1234 }),
  row('AAPL', { volume: 30, changeFromAverage: -1.5 }, 'down'),
  row('BTCUSD', { volume: 20, currentPrice: 43_210.5, changeFromAverage: 2.25 }, 'up'),
];

const shown = () => screen.getAllByTestId('board-row').map((tr) => tr.dataset.symbol);
const header = (name: string) => screen.getByRole('columnheader', { name: new RegExp(`^${name}`) });

describe('SymbolBoard', () => {
  afterEach(cleanup);

  it('lists every symbol with its figures, A to Z', () => {
    render(<SymbolBoard rows={rows} loaded selected={null} onSelect={() => undefined} />);
    assert.deepEqual(shown(), ['AAPL', 'BTCUSD', 'MSFT']);
    const btc = within(screen.getAllByTestId('board-row')[1] as HTMLElement);
    assert.ok(btc.getByText('43,210.50'));
    assert.ok(btc.getByText('+2.25%'));
    assert.equal(
      within(screen.getAllByTestId('board-row')[2] as HTMLElement).getByTestId('update-count').textContent,
      '1,234',
    );
  });

  it('sorts by a column from its header button, and flips on a second press', () => {
    render(<SymbolBoard rows={rows} loaded selected={null} onSelect={() => undefined} />);
    assert.equal(header('Symbol').getAttribute('aria-sort'), 'ascending');
    const volume = within(header('Volume')).getByRole('button');
    fireEvent.click(volume);
    assert.equal(header('Volume').getAttribute('aria-sort'), 'descending');
    assert.equal(header('Symbol').getAttribute('aria-sort'), 'none');
    assert.deepEqual(shown(), ['AAPL', 'BTCUSD', 'MSFT']);
    fireEvent.click(volume);
    assert.equal(header('Volume').getAttribute('aria-sort'), 'ascending');
    assert.deepEqual(shown(), ['MSFT', 'BTCUSD', 'AAPL']);
  });

  it('makes every header a real button, reachable by keyboard', () => {
    render(<SymbolBoard rows={rows} loaded selected={null} onSelect={() => undefined} />);
    const headers = screen.getAllByRole('columnheader');
    assert.equal(headers.length, 8);
    for (const th of headers) {
      const button = within(th).getByRole('button');
      assert.equal(button.getAttribute('type'), 'button');
      button.focus();
      assert.equal(document.activeElement, button);
    }
  });

  it('filters by symbol and says when nothing matches', () => {
    render(<SymbolBoard rows={rows} loaded selected={null} onSelect={() => undefined} />);
    const filter = screen.getByLabelText('Filter symbols');
    fireEvent.change(filter, { target: { value: 'usd' } });
    assert.deepEqual(shown(), ['BTCUSD']);
    assert.ok(screen.getByText('1 of 3'));
    fireEvent.change(filter, { target: { value: 'zzz' } });
    assert.deepEqual(screen.queryAllByTestId('board-row'), []);
    assert.ok(screen.getByText('No symbol matches “zzz”.'));
  });

  it('selects a symbol by its row or its button, and marks the selected one', () => {
    const selected: string[] = [];
    render(<SymbolBoard rows={rows} loaded selected="MSFT" onSelect={(s) => selected.push(s)} />);
    fireEvent.click(screen.getByRole('button', { name: 'AAPL' }));
    fireEvent.click(screen.getAllByTestId('board-row')[1]!.querySelector('td') as HTMLElement);
    assert.deepEqual(selected, ['AAPL', 'BTCUSD']);
    assert.equal(screen.getByRole('button', { name: 'MSFT' }).getAttribute('aria-pressed'), 'true');
    assert.equal(screen.getByRole('button', { name: 'AAPL' }).getAttribute('aria-pressed'), 'false');
  });

  it('flashes a price in the direction it moved', () => {
    const { container } = render(
      <SymbolBoard rows={rows} loaded selected={null} onSelect={() => undefined} />,
    );
    assert.equal(container.querySelectorAll('.flash-up').length, 1);
    assert.equal(container.querySelectorAll('.flash-down').length, 1);
  });

  it('shows loading, empty and error states', () => {
    const { rerender } = render(
      <SymbolBoard rows={[]} loaded={false} selected={null} onSelect={() => undefined} />,
    );
    assert.ok(screen.getByText('Loading symbols…'));
    rerender(
      <SymbolBoard rows={[]} loaded={false} selected={null} onSelect={() => undefined} error="offline" />,
    );
    assert.equal(screen.getByRole('alert').textContent, 'Symbols cannot be loaded: offline');
    rerender(<SymbolBoard rows={[]} loaded selected={null} onSelect={() => undefined} />);
    assert.ok(screen.getByText(/No symbols yet/));
  });
});
