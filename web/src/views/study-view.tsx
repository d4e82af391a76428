// A study: its name and directions, its own artifacts (live, with uploads) and its trials.
import { useEffect, useState } from 'preact/hooks';
import { ArtifactsSection } from '../components/artifacts-section.tsx';
import { TrialTable } from '../components/trial-table.tsx';
import { StudyQuery } from '../documents.ts';
import { request, type ResultOf } from '../graphql.ts';

type Study = NonNullable<ResultOf<typeof StudyQuery>['study']>;

export function StudyView({ studyId }: { studyId: number }) {
  const [study, setStudy] = useState<Study | null>(null);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    setStudy(null);
    setError(null);
    request(StudyQuery, { studyId }).then(
      (data) => (data.study ? setStudy(data.study) : setError(`There is no study ${studyId}.`)),
      (reason: unknown) => setError(reason instanceof Error ? reason.message : String(reason)),
    );
  }, [studyId]);

  if (error) {
    return (
      <>
        <h1 tabIndex={-1}>Study {studyId}</h1>
        <p class="error" role="alert">
          {error}
        </p>
      </>
    );
  }
  // The artifacts and the trial table load alongside the study's facts, not after them.
  return (
    <>
      <nav aria-label="Breadcrumb" class="breadcrumb">
        <a href="#/">Studies</a> › <span aria-current="page">{study?.name ?? `Study ${studyId}`}</span>
      </nav>
      <h1 tabIndex={-1}>{study?.name ?? 'Loading study…'}</h1>
      {study && (
        <dl class="facts">
          <dt>Directions</dt>
          <dd>{study.directions.join(', ')}</dd>
          <dt>Trials</dt>
          <dd>{study.trialCount}</dd>
          <dt>Study id</dt>
          <dd>{study.studyId}</dd>
        </dl>
      )}
      <ArtifactsSection owner={{ studyId }} title="Study artifacts" uploadsClosedReason={null} />
      <TrialTable studyId={studyId} />
    </>
  );
}
