// The first view: every study with its directions, trial counts by state and best value.
import { useEffect, useState } from 'preact/hooks';
import { StudiesQuery } from '../documents.ts';
import { formatValues } from '../format.ts';
import { request, type ResultOf } from '../graphql.ts';
import { studyHref } from '../route.ts';

type StudyRow = ResultOf<typeof StudiesQuery>['studies']['edges'][number]['node'];

const pageSize = 100;

const stateCounts = (study: StudyRow): string =>
  (
    [
      ['complete', study.complete],
      ['running', study.running],
      ['waiting', study.waiting],
      ['pruned', study.pruned],
      ['failed', study.fail],
    ] as const
  )
    .filter(([, count]) => count > 0)
    .map(([state, count]) => `${count} ${state}`)
    .join(' · ');

export function StudiesView() {
  const [studies, setStudies] = useState<StudyRow[] | null>(null);
  const [totalCount, setTotalCount] = useState(0);
  const [endCursor, setEndCursor] = useState<string | null>(null);
  const [hasMore, setHasMore] = useState(false);
  const [error, setError] = useState<string | null>(null);

  const load = (after: string | null): void => {
    request(StudiesQuery, { first: pageSize, after }).then(
      ({ studies: page }) => {
        setStudies((current) => [...(after === null ? [] : (current ?? [])), ...page.edges.map((edge) => edge.node)]);
        setTotalCount(page.totalCount);
        setEndCursor(page.pageInfo.endCursor ?? null);
        setHasMore(page.pageInfo.hasNextPage);
      },
      (reason: unknown) => setError(reason instanceof Error ? reason.message : String(reason)),
    );
  };
  useEffect(() => load(null), []);

  return (
    <>
      <h1 tabIndex={-1}>Studies</h1>
      {error && (
        <p class="error" role="alert">
          {error}
        </p>
      )}
      {studies === null ? (
        !error && <p>Loading studies…</p>
      ) : studies.length === 0 ? (
        <p>No studies yet. Optuna's create_study (or the createStudy mutation) makes one.</p>
      ) : (
        <table class="study-table">
          <caption class="visually-hidden">{totalCount} studies</caption>
          <thead>
            <tr>
              <th scope="col">Study</th>
              <th scope="col">Directions</th>
              <th scope="col">Trials</th>
              <th scope="col">Best value</th>
            </tr>
          </thead>
          <tbody>
            {studies.map((study) => (
              <tr key={study.studyId}>
                <td>
                  <a href={studyHref(study.studyId)}>{study.name}</a>
                </td>
                <td>{study.directions.join(', ')}</td>
                <td>
                  {study.trialCount}
                  {study.trialCount > 0 && <span class="detail"> ({stateCounts(study)})</span>}
                </td>
                <td class="numeric">
                  {study.bestTrial ? `${formatValues(study.bestTrial.values)} (trial ${study.bestTrial.number})` : '—'}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {hasMore && (
        <button type="button" onClick={() => load(endCursor)}>
          Show more studies
        </button>
      )}
    </>
  );
}
