// Entry point: renders the artifact browser into the page served at `/`.
import { render } from 'preact';
import { App } from './app.tsx';
import './styles.css';

render(<App />, document.getElementById('app')!);
