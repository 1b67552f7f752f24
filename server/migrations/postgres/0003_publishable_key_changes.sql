-- Servers cache publishable keys (as Medusa does); every change to the table tells each of them to forget them.
CREATE FUNCTION notify_publishable_key_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('publishable_key_changed', '');
    RETURN NULL;
END
$$;

CREATE TRIGGER publishable_key_changed
    AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON publishable_key
    FOR EACH STATEMENT EXECUTE FUNCTION notify_publishable_key_changed();
