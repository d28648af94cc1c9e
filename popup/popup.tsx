// Popup entry: the inbox a person opens from the toolbar. The first two requests (status and the
// cached conversation list) leave before the first render, so the list paints as soon as they answer.
import './lib/start-mark.ts';
import { render } from 'preact';
import { PortClient } from '../src/port-client.ts';
import { Inbox, firstPageParams } from './state.ts';
import { App } from './app.tsx';
import './styles.css';

const bg = new PortClient('popup');
const firstStatus = bg.call('app.status');
const firstList = bg.call('conversations.list', firstPageParams);
firstList.catch(() => {}); // locked or not ready: the app asks again when it can
const inbox = new Inbox(bg);

render(<App bg={bg} inbox={inbox} firstStatus={firstStatus} firstList={firstList} />, document.getElementById('app')!);
