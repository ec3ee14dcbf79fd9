// The official SelfCommunity web client, unchanged, pointed at connreq serve: react-core's
// SCContextProvider (preferences, user, routing, settings and blocked-users providers, the
// SDK's boot sequence) and react-ui's UserConnectionsRequestsWidget. The page reads where
// the API is and which bearer token to use from window.__CONNREQ__, set by the test before
// any script runs (never from the URL, so the token is in no log).
import React from 'react';
import {createRoot} from 'react-dom/client';
import {SCContextProvider} from '@selfcommunity/react-core';
import {UserConnectionsRequestsWidget} from '@selfcommunity/react-ui';
import {Endpoints} from '@selfcommunity/api-services';

// react-ui 0.11.0-alpha.119's dialog "load more" handler reads
// Endpoints.UserConnectionsRequests.method, which api-services 0.7.0-alpha.13 does not
// define (it has UserConnectionRequests): without this alias the dialog stops after 13
// items on any server, production included. The alias only supplies the method name
// ('GET'); the URL the handler requests is the server's own `next` link, unchanged.
if (!Endpoints.UserConnectionsRequests) {
  Endpoints.UserConnectionsRequests = Endpoints.UserConnectionRequests;
}

const cfg = window.__CONNREQ__;
const conf = {
  portal: cfg.api,
  locale: {default: 'en'},
  session: {
    type: 'JWT',
    authToken: {accessToken: cfg.token, tokenType: 'Bearer'},
    // The mock never expires a token; a refresh would be a bug the test must see.
    handleRefreshToken: () => Promise.reject(new Error('connreq e2e: unexpected token refresh')),
  },
};

class Boundary extends React.Component {
  constructor(props) {
    super(props);
    this.state = {error: null};
  }
  static getDerivedStateFromError(error) {
    return {error};
  }
  render() {
    if (this.state.error) {
      return <pre id="crash">{String(this.state.error && this.state.error.stack)}</pre>;
    }
    return this.props.children;
  }
}

createRoot(document.getElementById('root')).render(
  <Boundary>
    <SCContextProvider conf={conf}>
      {/* Children render only once the client has booted (preferences and features loaded). */}
      <h1 id="booted" style={{font: '16px sans-serif', margin: 16}}>connreq · official widget</h1>
      <div id="widget" style={{maxWidth: 420, margin: 16}}>
        <UserConnectionsRequestsWidget />
      </div>
    </SCContextProvider>
  </Boundary>
);
