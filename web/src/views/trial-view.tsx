// A trial: its state, values and parameters, and its artifacts (live; uploads while it is
// RUNNING or WAITING, as Optuna allows).
import { useEffect, useState } from 'preact/hooks';
import { ArtifactsSection } from '../components/artifacts-section.tsx';
import { TrialQuery } from '../documents.ts';
import { formatParamValue, formatTime, formatValues } from '../format.ts';
import { request, type ResultOf } from '../graphql.ts';
import { studyHref } from '../route.ts';

type Trial = NonNullable<ResultOf<typeof TrialQuery>['trial']>;

export function TrialView({ trialId }: { trialId: number }) {
  const [trial, setTrial] = useState<Trial | null>(null);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    setTrial(null);
    setError(null);
    request(TrialQuery, { trialId }).then(
      (data) => (data.trial ? setTrial(data.trial) : setError(`There is no trial ${trialId}.`)),
      (reason: unknown) => setError(reason instanceof Error ? reason.message : String(reason)),
    );
  }, [trialId]);

  if (error) {
    return (
      <>
        <h1 tabIndex={-1}>Trial</h1>
        <p class="error" role="alert">
          {error}
        </p>
      </>
    );
  }
  if (!trial) return <p>Loading trial…</p>;
  const open = trial.state === 'RUNNING' || trial.state === 'WAITING';
  return (
    <>
      <nav aria-label="Breadcrumb" class="breadcrumb">
        <a href="#/">Studies</a> › <a href={studyHref(trial.study.studyId)}>{trial.study.name}</a> ›{' '}
        <span aria-current="page">Trial {trial.number}</span>
      </nav>
      <h1 tabIndex={-1}>
        Trial {trial.number} of {trial.study.name}
      </h1>
      <dl class="facts">
        <dt>State</dt>
        <dd>
          <span class={`state state-${trial.state.toLowerCase()}`}>{trial.state}</span>
        </dd>
        <dt>Values</dt>
        <dd>{formatValues(trial.values)}</dd>
        <dt>Parameters</dt>
        <dd>
          {trial.params.length === 0
            ? '—'
            : trial.params.map((param) => `${param.name} = ${formatParamValue(param.value)}`).join(', ')}
        </dd>
        <dt>Started</dt>
        <dd>{formatTime(trial.datetimeStart)}</dd>
        <dt>Completed</dt>
        <dd>{formatTime(trial.datetimeComplete)}</dd>
        <dt>Trial id</dt>
        <dd>{trial.trialId}</dd>
      </dl>
      <ArtifactsSection
        owner={{ trialId }}
        title="Trial artifacts"
        uploadsClosedReason={
          open ? null : `This trial is ${trial.state}: Optuna takes artifacts only on running or waiting trials.`
        }
      />
    </>
  );
}
