// Popup entry: the inbox a person opens from the toolbar. The first two requests (status and the first
// page of the cached conversation list) leave before the first render, and their answers go straight
// into the stores, so the inbox paints with its list as soon as both are in.
import './lib/start-mark.ts';
import { render } from 'preact';
import { PortClient } from '../src/port-client.ts';
import { Inbox, Session, firstPageParams } from './state.ts';
import { App } from './app.tsx';
import { NameBook } from './names.ts';
import { NodeConnection } from './connection.ts';
import './styles.css';

const bg = new PortClient('popup');
const session = new Session(bg, bg.call('app.status'));
const inbox = new Inbox(bg);
const names = new NameBook(bg, () => inbox.afterWaitedOn());
const connection = new NodeConnection(bg);
void connection.refresh();
// Locked or no account: this fails quietly and the app asks again once unlocked.
void inbox.load(bg.call('conversations.list', firstPageParams), { quiet: true });

render(<App bg={bg} inbox={inbox} session={session} names={names} connection={connection} />, document.getElementById('app')!);
