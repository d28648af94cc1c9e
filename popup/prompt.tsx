// Prompt window entry: approvals for site requests (connect, consent, unlock) and onboarding started
// from a site. The background opens it as `prompt.html?id=<prompt id>`, one window per site.
import { render } from 'preact';
import { PortClient } from '../src/port-client.ts';
import { PromptApp } from './prompt/PromptApp.tsx';
import './styles.css';
import './prompt/prompt.css';

const id = new URLSearchParams(location.search).get('id') ?? '';
render(<PromptApp bg={new PortClient('prompt')} id={id} />, document.getElementById('app')!);
