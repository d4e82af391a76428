// A study's trials, a page at a time: number, state, values and parameters, sorted by number
// (the server's order, paged by cursor both ways) or by value. The API orders trials by number
// only, so a sort by value loads the study's trials and sorts them here.
import { useEffect, useState } from 'preact/hooks';
import { StudyTrialsQuery } from '../documents.ts';
import { formatParamValue, formatValues } from '../format.ts';
import { request, type OptunaFloat, type ResultOf } from '../graphql.ts';
import { trialHref } from '../route.ts';

type TrialRow = NonNullable<ResultOf<typeof StudyTrialsQuery>['study']>['trials']['edges'][number]['node'];

type SortOrder = 'number-asc' | 'number-desc' | 'value-asc' | 'value-desc';

const pageSize = 50;
/** The server's largest page: a sort by value loads the trials this many at a time. */
const largestPage = 1000;

/** A column header's aria-sort: the direction when the table is sorted by that column. */
const ariaSort = (order: SortOrder, column: 'number' | 'value'): 'ascending' | 'descending' | undefined =>
  order.startsWith(column) ? (order.endsWith('-asc') ? 'ascending' : 'descending') : undefined;

const sortLabels: Record<SortOrder, string> = {
  'number-asc': 'Number, ascending',
  'number-desc': 'Number, descending',
  'value-asc': 'Value, ascending',
  'value-desc': 'Value, descending',
};

interface TablePage {
  trials: TrialRow[];
  totalCount: number;
  /** 0-based index of the first trial shown. */
  offset: number;
  hasNext: boolean;
  hasPrevious: boolean;
}

/** Cursors of the page being shown, for the server-paged (number) orders. */
interface NumberCursors {
  startCursor: string | null;
  endCursor: string | null;
}

/** The first objective's value as a sortable number; trials without values sort last. */
function sortKey(values: readonly OptunaFloat[] | null | undefined): number {
  const value = values?.[0];
  if (value === undefined || value === 'NaN') return Number.NaN;
  if (value === 'Infinity') return Infinity;
  if (value === '-Infinity') return -Infinity;
  return value;
}

async function allTrials(studyId: number): Promise<TrialRow[]> {
  const trials: TrialRow[] = [];
  let after: string | null = null;
  for (;;) {
    const data: ResultOf<typeof StudyTrialsQuery> = await request(StudyTrialsQuery, {
      studyId,
      first: largestPage,
      after,
    });
    const connection = data.study?.trials;
    if (!connection) return trials;
    trials.push(...connection.edges.map((edge) => edge.node));
    if (!connection.pageInfo.hasNextPage) return trials;
    after = connection.pageInfo.endCursor ?? null;
  }
}

function sortedByValue(trials: TrialRow[], descending: boolean): TrialRow[] {
  return [...trials].sort((a, b) => {
    const [keyA, keyB] = [sortKey(a.values), sortKey(b.values)];
    if (Number.isNaN(keyA) || Number.isNaN(keyB)) return Number(Number.isNaN(keyA)) - Number(Number.isNaN(keyB));
    return (descending ? keyB - keyA : keyA - keyB) || a.number - b.number;
  });
}

export function TrialTable({ studyId }: { studyId: number }) {
  const [order, setOrder] = useState<SortOrder>('number-asc');
  /** What to fetch: a page after/before a cursor (number orders) or at an offset (value orders). */
  const [position, setPosition] = useState<{ after?: string | null; before?: string | null; offset: number }>({
    offset: 0,
  });
  const [page, setPage] = useState<TablePage | null>(null);
  const [cursors, setCursors] = useState<NumberCursors>({ startCursor: null, endCursor: null });
  const [byValue, setByValue] = useState<TrialRow[] | null>(null);
  const [error, setError] = useState<string | null>(null);

  useEffect(() => {
    let cancelled = false;
    const show = (shown: TablePage, nextCursors?: NumberCursors): void => {
      if (cancelled) return;
      setPage(shown);
      if (nextCursors) setCursors(nextCursors);
    };
    const load = async (): Promise<void> => {
      if (order === 'number-asc' || order === 'number-desc') {
        // Pages continue after or end before a cursor of the page shown; the first page of
        // the descending order is the study's last trials.
        const forward = order === 'number-asc';
        const variables =
          position.after != null
            ? { studyId, first: pageSize, after: position.after }
            : position.before != null
              ? { studyId, last: pageSize, before: position.before }
              : forward
                ? { studyId, first: pageSize }
                : { studyId, last: pageSize };
        const data = await request(StudyTrialsQuery, variables);
        const connection = data.study?.trials;
        if (!connection) throw new Error(`study ${studyId} does not exist`);
        const trials = connection.edges.map((edge) => edge.node);
        if (!forward) trials.reverse();
        const { pageInfo } = connection;
        show(
          {
            trials,
            totalCount: connection.totalCount,
            offset: position.offset,
            hasNext: position.offset + trials.length < connection.totalCount,
            hasPrevious: position.offset > 0,
          },
          { startCursor: pageInfo.startCursor ?? null, endCursor: pageInfo.endCursor ?? null },
        );
        return;
      }
      const loaded = byValue ?? (await allTrials(studyId));
      if (cancelled) return;
      if (byValue === null) setByValue(loaded);
      const sorted = sortedByValue(loaded, order === 'value-desc');
      show({
        trials: sorted.slice(position.offset, position.offset + pageSize),
        totalCount: sorted.length,
        offset: position.offset,
        hasNext: position.offset + pageSize < sorted.length,
        hasPrevious: position.offset > 0,
      });
    };
    load().catch(
      (reason: unknown) => !cancelled && setError(reason instanceof Error ? reason.message : String(reason)),
    );
    return () => {
      cancelled = true;
    };
  }, [studyId, order, position, byValue]);

  const changeOrder = (next: SortOrder): void => {
    setOrder(next);
    setPosition({ offset: 0 });
  };
  // For number orders the next page continues from the shown page's last cursor, the previous
  // one ends before its first; the cursors point the same way whatever the order shows.
  const goNext = (): void => {
    if (!page) return;
    const offset = page.offset + pageSize;
    if (order === 'number-asc') setPosition({ after: cursors.endCursor, offset });
    else if (order === 'number-desc') setPosition({ before: cursors.startCursor, offset });
    else setPosition({ offset });
  };
  const goPrevious = (): void => {
    if (!page) return;
    const offset = Math.max(0, page.offset - pageSize);
    if (offset === 0) setPosition({ offset: 0 });
    else if (order === 'number-asc') setPosition({ before: cursors.startCursor, offset });
    else if (order === 'number-desc') setPosition({ after: cursors.endCursor, offset });
    else setPosition({ offset });
  };

  return (
    <section class="trials" aria-labelledby="trials-heading">
      <div class="section-head">
        <h2 id="trials-heading">Trials {page && <span class="count">({page.totalCount})</span>}</h2>
        <label>
          Sort by{' '}
          <select value={order} onChange={(event) => changeOrder(event.currentTarget.value as SortOrder)}>
            {(Object.keys(sortLabels) as SortOrder[]).map((key) => (
              <option key={key} value={key}>
                {sortLabels[key]}
              </option>
            ))}
          </select>
        </label>
      </div>
      {error && (
        <p class="error" role="alert">
          {error}
        </p>
      )}
      {page === null ? (
        <p>Loading trials…</p>
      ) : (
        <>
          <table class="trial-table">
            <caption class="visually-hidden">
              Trials {page.offset + 1}–{page.offset + page.trials.length} of {page.totalCount}, sorted by{' '}
              {sortLabels[order].toLowerCase()}
            </caption>
            <thead>
              <tr>
                <th scope="col" aria-sort={ariaSort(order, 'number')}>
                  Number
                </th>
                <th scope="col">State</th>
                <th scope="col" aria-sort={ariaSort(order, 'value')}>
                  Values
                </th>
                <th scope="col">Parameters</th>
              </tr>
            </thead>
            <tbody>
              {page.trials.map((trial) => (
                <tr key={trial.trialId}>
                  <td>
                    <a href={trialHref(trial.trialId)}>Trial {trial.number}</a>
                  </td>
                  <td>
                    <span class={`state state-${trial.state.toLowerCase()}`}>{trial.state}</span>
                  </td>
                  <td class="numeric">{formatValues(trial.values)}</td>
                  <td class="params">
                    {trial.params.map((param) => `${param.name}=${formatParamValue(param.value)}`).join(', ')}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
          <nav class="pager" aria-label="Trial pages">
            <button type="button" disabled={!page.hasPrevious} onClick={goPrevious}>
              Previous trials
            </button>
            <span>
              {page.totalCount === 0
                ? 'No trials'
                : `${page.offset + 1}–${page.offset + page.trials.length} of ${page.totalCount}`}
            </span>
            <button type="button" disabled={!page.hasNext} onClick={goNext}>
              Next trials
            </button>
          </nav>
        </>
      )}
    </section>
  );
}
