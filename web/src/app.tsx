// The page's frame: header (with the access token field when the server wants one), the view
// the URL's hash names, and the footer links to GraphiQL and the example queries.
import { useEffect, useMemo, useState } from 'preact/hooks';
import { TokenField } from './components/token-field.tsx';
import { useRoute, type Route } from './route.ts';
import { SessionContext, sessionFor, storedToken, storeToken, tokenRequired } from './session.ts';
import { StudiesView } from './views/studies-view.tsx';
import { StudyView } from './views/study-view.tsx';
import { TrialView } from './views/trial-view.tsx';

function CurrentView({ route }: { route: Route }) {
  switch (route.view) {
    case 'studies':
      return <StudiesView />;
    case 'study':
      return <StudyView key={route.studyId} studyId={route.studyId} />;
    case 'trial':
      return <TrialView key={route.trialId} trialId={route.trialId} />;
  }
}

export function App() {
  const route = useRoute();
  const [token, setToken] = useState<string | null>(() => (tokenRequired ? storedToken() : null));
  const session = useMemo(() => sessionFor(token), [token]);

  // A new view moves keyboard and screen-reader focus to its heading, as a page load would.
  const routeKey = JSON.stringify(route);
  useEffect(() => {
    if (document.activeElement !== document.body) document.querySelector<HTMLElement>('main h1')?.focus();
  }, [routeKey]);

  return (
    <SessionContext.Provider value={session}>
      <header class="top">
        <a class="brand" href="#/">
          Optuna artifacts
        </a>
        {tokenRequired && (
          <TokenField
            onToken={(entered) => {
              storeToken(entered);
              setToken(entered);
            }}
          />
        )}
      </header>
      <main>
        <CurrentView route={route} />
      </main>
      <footer>
        <a href="/graphql">GraphiQL</a> · <a href="/examples">Example queries</a> · <a href="/healthz">Health</a>
      </footer>
    </SessionContext.Provider>
  );
}
