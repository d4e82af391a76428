// The page's views live in the URL's hash (#/studies/1, #/trials/7), so the server serves one
// document and links, reloads and the back button all work.
import { useEffect, useState } from 'preact/hooks';

export type Route = { view: 'studies' } | { view: 'study'; studyId: number } | { view: 'trial'; trialId: number };

export function parseRoute(hash: string): Route {
  const study = /^#\/studies\/(\d+)$/.exec(hash);
  if (study) return { view: 'study', studyId: Number(study[1]) };
  const trial = /^#\/trials\/(\d+)$/.exec(hash);
  if (trial) return { view: 'trial', trialId: Number(trial[1]) };
  return { view: 'studies' };
}

export const studyHref = (studyId: number): string => `#/studies/${studyId}`;
export const trialHref = (trialId: number): string => `#/trials/${trialId}`;

export function useRoute(): Route {
  const [route, setRoute] = useState(() => parseRoute(location.hash));
  useEffect(() => {
    const follow = (): void => setRoute(parseRoute(location.hash));
    addEventListener('hashchange', follow);
    return () => removeEventListener('hashchange', follow);
  }, []);
  return route;
}
