-- A broad search within one state (「example.jp」 among closed cases): the
-- newest cases of that state, walked in id order, are checked against the
-- searched text one by one (store::queue::state_walk). Walking the search's
-- newest matches instead met none of them in the first thousands (the
-- newest cases are open), and the page said "look further". Staff never
-- see an unconfirmed request: the public form's submission writes no entry.
CREATE INDEX cases_state_newest ON cases (state, id) WHERE state <> 'unconfirmed';

-- Its statistics, so that SQLite does not take it, expecting a handful of
-- rows, for the queue of a state sorted by due date (cases_state_queue): a
-- state holds hundreds of thousands of cases. The walk names it.
ANALYZE cases_state_newest;
