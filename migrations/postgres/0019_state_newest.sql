-- A broad search within one state (「example.jp」 among closed cases): the
-- newest cases of that state, walked in id order, are checked against the
-- searched text one by one (store::queue::pg_state_walk). Walking the
-- search's newest matches instead met none of them in the first thousands
-- (the newest cases are open), and the page said "look further".
CREATE INDEX cases_state_newest ON cases (state, id);
